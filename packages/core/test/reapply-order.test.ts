import { describe, expect, it, onTestFinished } from 'vitest'
import { definedObjects, directory, discover, orderReapply } from '../src/index.js'
import { tempProject } from '../src/testing/index.js'

describe('definedObjects', () => {
  it('names the views, functions and triggers a script creates', () => {
    const sql = `DROP VIEW IF EXISTS a;
      CREATE OR REPLACE VIEW "Sales".Totals AS SELECT 1;
      create materialized view if not exists m as select 1;
      CREATE FUNCTION public.score(x int) RETURNS int AS $$ SELECT x $$ LANGUAGE sql;
      CREATE ALGORITHM=MERGE SQL SECURITY DEFINER VIEW \`my_view\` AS SELECT 1;
      CREATE TABLE t (id int);`
    expect(definedObjects(sql)).toEqual(['Sales.totals', 'm', 'public.score', 'my_view'])
  })
})

describe('orderReapply', () => {
  it('puts a repeatable after those defining what it uses and after its -- mig:depends', async () => {
    const p = tempProject({
      'R__a_report.sql': 'CREATE VIEW report AS SELECT * FROM z_base;\n',
      'R__b_extra.sql': '-- mig:depends R__c_last\nCREATE VIEW extra AS SELECT 1 AS one;\n',
      'R__c_last.sql': 'CREATE VIEW last_one AS SELECT 1 AS one;\n',
      'R__z_base.sql': 'CREATE OR REPLACE VIEW z_base AS SELECT 1 AS id;\n',
    })
    onTestFinished(p.cleanup)
    const migrations = await discover([directory(p.dir)])
    const items = await Promise.all(migrations.map(async (m) => ({ migration: m, sql: await m.up!.read() })))
    expect(orderReapply(items).map((i) => i.migration.id)).toEqual(['R__c_last', 'R__b_extra', 'R__z_base', 'R__a_report'])
  })
})
