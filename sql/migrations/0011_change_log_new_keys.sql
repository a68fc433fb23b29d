-- Version 11: the change log says whether a logged key had rows in its model before the build
-- (false: a key new to the model, such as a new article's). The analyst publisher deletes the rows
-- of a changed key from a generation only when the key had rows there; a load of new articles
-- then deletes nothing, instead of scanning every published mart for keys none of them holds.
-- NULL (rows logged before this version, and whole-table entries) means "not known": delete.
alter table meta.changes add column existed boolean;
