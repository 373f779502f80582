import { mysqlDialectForTests } from '@mig/test-utils'
import { corpusSuite } from '@mig/test-utils/corpus-suite'
import { createDriver } from '../src/index.js'

corpusSuite(mysqlDialectForTests, createDriver)
