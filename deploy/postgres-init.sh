#!/bin/sh
# First start of the product's PostgreSQL (docker-entrypoint-initdb.d): one role per service, each
# owning only its database. The superuser stays for this script and the operator. The app's role
# cannot create extensions, so pgvector is created here, once.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_pw="$APP_DB_PASSWORD" -v windmill_pw="$WINDMILL_DB_PASSWORD" <<'SQL'
CREATE ROLE command_center LOGIN PASSWORD :'app_pw';
ALTER DATABASE command_center OWNER TO command_center;
-- Windmill creates its own row-level-security roles at first start: it needs CREATEROLE and BYPASSRLS,
-- but no superuser.
CREATE ROLE windmill LOGIN CREATEROLE BYPASSRLS PASSWORD :'windmill_pw';
CREATE DATABASE windmill OWNER windmill;
REVOKE ALL ON DATABASE command_center FROM PUBLIC;
REVOKE ALL ON DATABASE windmill FROM PUBLIC;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname command_center <<'SQL'
CREATE EXTENSION IF NOT EXISTS vector;
ALTER SCHEMA public OWNER TO command_center;
SQL
