/* maas--0.1.0--0.2.0.sql: from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION maas UPDATE TO '0.2.0'" to load this file. \quit

/*
 * There is no maas--0.2.0.sql: CREATE EXTENSION maas runs maas--0.1.0.sql
 * (frozen as tagged v0.1.0) and then this script, so a fresh install and an
 * upgraded one are the same objects by construction.  Everything new in
 * 0.2.0 goes here, after what it builds on.
 */

-- New tasks: unsupervised families and recommenders
ALTER TABLE maas.models DROP CONSTRAINT models_task_check;
ALTER TABLE maas.models ADD CONSTRAINT models_task_check
	CHECK (task IN ('regression', 'binary', 'multiclass',
					'clustering', 'decomposition', 'recommendation'));
