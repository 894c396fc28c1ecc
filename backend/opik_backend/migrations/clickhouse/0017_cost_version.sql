-- Where a span's estimated cost came from, in Opik's field total_estimated_cost_version:
-- "prices.json@<updated>" (the reviewed table), "litellm@<version>" (LiteLLM's map), or ""
-- (a cost the client gave, or none).

ALTER TABLE spans {on_cluster} ADD COLUMN IF NOT EXISTS total_estimated_cost_version String;
