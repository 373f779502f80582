import { postgresDialectForTests } from '@mig/test-utils'
import { shadowSuite } from '@mig/test-utils/shadow-suite'
import { createDriver } from '../src/index.js'

shadowSuite(postgresDialectForTests, createDriver)
