-- A version's test-suite settings, as Opik keeps them on dataset versions: the default
-- evaluators of its items (JSON array) and its execution policy (JSON object). A new version
-- keeps the settings of the one before unless a change sets them.

ALTER TABLE dataset_versions ADD COLUMN evaluators TEXT;
ALTER TABLE dataset_versions ADD COLUMN execution_policy TEXT
