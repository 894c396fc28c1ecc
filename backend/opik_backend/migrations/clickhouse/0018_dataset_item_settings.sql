-- A dataset item's own test-suite settings, as Opik stores them on each item: its evaluators
-- (JSON array) and its execution policy (JSON object); "" when the item has none and the
-- version's settings apply. The item copies of versions carry them too.

ALTER TABLE dataset_items {on_cluster} ADD COLUMN IF NOT EXISTS evaluators String;
ALTER TABLE dataset_items {on_cluster} ADD COLUMN IF NOT EXISTS execution_policy String;
ALTER TABLE dataset_item_versions {on_cluster} ADD COLUMN IF NOT EXISTS evaluators String;
ALTER TABLE dataset_item_versions {on_cluster} ADD COLUMN IF NOT EXISTS execution_policy String;
