-- Outbox rows the relay could not deliver for a reason no retry cures (Temporal refused the event:
-- a record over its payload limit, an argument it calls invalid). They are set aside, so that the
-- rows after them flow, and kept, so a person can see them (`tenure scim list`) and act.
alter table scim_outbox add column undeliverable_at timestamptz(3);
-- Why, in Temporal's words (never the record: it is personal data).
alter table scim_outbox add column undeliverable_reason text;
-- No index for the pending rows: the relay walks the primary key in order and set-aside rows are
-- rare, so each write keeps maintaining one index, as before. The count per integration has its own.
create index scim_outbox_undeliverable on scim_outbox (integration) where undeliverable_at is not null;
