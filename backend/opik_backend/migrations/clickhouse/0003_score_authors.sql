-- Who wrote a score: empty for people and SDKs, "online_scoring:<rule name>" for the
-- scores written by an online evaluation rule.

ALTER TABLE feedback_scores {on_cluster} ADD COLUMN IF NOT EXISTS created_by String;
