-- The SCIM directory: what SCIM clients (Okta) provisioned, per integration.
-- Runs unchanged on PGlite (PostgreSQL 18) and on PostgreSQL 15 or later: no extensions, nothing newer than 15.
-- Never edit this file once released: the runner refuses a database whose applied migration differs.

create table scim_integrations (
  name        text primary key,
  token_hash  text not null,
  enabled     boolean not null default true,
  created_at  timestamptz(3) not null default now()
);

create table scim_users (
  -- Creation order: stable paging (Okta's import walks startIndex 1, 101, …) and the order of listings.
  seq          bigint generated always as identity primary key,
  -- The SCIM id. Text, not uuid, so that any id a client sends (Okta's SPEC test sends
  -- 010101001010101011001010101011) is simply not found instead of a cast error.
  id           text not null unique default gen_random_uuid()::text,
  integration  text not null references scim_integrations (name) on delete cascade,
  user_name    text not null,
  external_id  text,
  active       boolean not null,
  -- The rest of the SCIM resource (name, emails, enterprise extension, …), attribute names canonical.
  resource     jsonb not null,
  version      integer not null default 1,
  -- Millisecond precision, so a meta.lastModified read back and used in a filter compares equal.
  created_at   timestamptz(3) not null default now(),
  updated_at   timestamptz(3) not null default now()
);
-- userName is caseExact false (RFC 7643): uniqueness and lookups ignore case. The index settles
-- concurrent creates atomically.
create unique index scim_users_user_name on scim_users (integration, lower(user_name));
create index scim_users_integration_seq on scim_users (integration, seq);
create index scim_users_external_id on scim_users (integration, external_id);

create table scim_groups (
  seq           bigint generated always as identity primary key,
  id            text not null unique default gen_random_uuid()::text,
  integration   text not null references scim_integrations (name) on delete cascade,
  display_name  text not null,
  external_id   text,
  version       integer not null default 1,
  created_at    timestamptz(3) not null default now(),
  updated_at    timestamptz(3) not null default now()
);
create unique index scim_groups_display_name on scim_groups (integration, lower(display_name));
create index scim_groups_integration_seq on scim_groups (integration, seq);

create table scim_group_members (
  group_seq  bigint not null references scim_groups (seq) on delete cascade,
  user_seq   bigint not null references scim_users (seq) on delete cascade,
  primary key (group_seq, user_seq)
);
-- A user's groups (the read-only `groups` attribute and the outbox record).
create index scim_group_members_user on scim_group_members (user_seq);

-- Changes to deliver to identity workflows, written in the transaction that made them and deleted
-- once delivered. No foreign key: a change acknowledged before its integration was removed is
-- still delivered.
create table scim_outbox (
  seq          bigint generated always as identity primary key,
  integration  text not null,
  user_id      text not null,
  -- The user's record as policies see it; null when the user was deleted.
  record       jsonb,
  created_at   timestamptz(3) not null default now()
);
