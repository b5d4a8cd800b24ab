-- One database per service: each service owns its tables and reads no other's
-- (docs/architecture.md, Services).
-- Run by the postgres image once, when its data volume is empty (/docker-entrypoint-initdb.d),
-- as POSTGRES_USER = nhiemvu. To add them to an existing cluster, run this file with psql.
CREATE DATABASE nhiemvu_intake OWNER nhiemvu ENCODING 'UTF8';
CREATE DATABASE nhiemvu_workflow OWNER nhiemvu ENCODING 'UTF8';
CREATE DATABASE nhiemvu_notify OWNER nhiemvu ENCODING 'UTF8';
CREATE DATABASE nhiemvu_reporting OWNER nhiemvu ENCODING 'UTF8';

REVOKE ALL ON DATABASE nhiemvu_intake FROM PUBLIC;
REVOKE ALL ON DATABASE nhiemvu_workflow FROM PUBLIC;
REVOKE ALL ON DATABASE nhiemvu_notify FROM PUBLIC;
REVOKE ALL ON DATABASE nhiemvu_reporting FROM PUBLIC;
