import { sqliteDialectForTests } from '@mig/test-utils'
import { shadowSuite } from '@mig/test-utils/shadow-suite'
import { createDriver } from '../src/index.js'

shadowSuite(sqliteDialectForTests, createDriver)
