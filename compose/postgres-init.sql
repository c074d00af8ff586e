-- Roles and database of the model registry. Idempotent: safe to run on every start.
-- Used by compose/services.sh (psql -v db=... -v owner_password=... -v app_password=... -v superuser_password=...)
-- and by the postgres Docker image (/docker-entrypoint-initdb.d, first start only, defaults below).
\set ON_ERROR_STOP on
\if :{?db}
\else
  \set db model_registry
\endif
\if :{?owner_password}
\else
  \set owner_password mreg_owner
\endif
\if :{?app_password}
\else
  \set app_password mreg_app
\endif
-- Docker sets the superuser password itself (POSTGRES_PASSWORD); services.sh passes it to keep it in sync.
\if :{?superuser_password}
  ALTER ROLE postgres PASSWORD :'superuser_password';
\endif

-- mreg_owner owns the schemas and runs migrations; CREATEDB because test runs create private databases.
SELECT 'CREATE ROLE mreg_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mreg_owner') \gexec
ALTER ROLE mreg_owner WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD :'owner_password';

-- mreg_audit owns the audit log (registry.audit_log, migration 0018) and logs in as nobody. mreg_owner is a member so that
-- migrations can hand the table over to it; the workers' role never is (the host refuses to start as one: docs/audit.md).
SELECT 'CREATE ROLE mreg_audit' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mreg_audit') \gexec
ALTER ROLE mreg_audit WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT mreg_audit TO mreg_owner;

-- mreg_app is the workers' runtime role: nothing beyond what migrations grant it.
SELECT 'CREATE ROLE mreg_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mreg_app') \gexec
ALTER ROLE mreg_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';

SELECT format('CREATE DATABASE %I OWNER mreg_owner', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO mreg_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMP ON DATABASE :"db" TO mreg_app;

\connect :"db"
-- Already the PG15 default for new databases; kept explicit so only mreg_owner (owner of public) creates objects.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
