import { sqliteDialectForTests } from '@mig/test-utils'
import { corpusSuite } from '@mig/test-utils/corpus-suite'
import { createDriver } from '../src/index.js'

corpusSuite(sqliteDialectForTests, createDriver)
