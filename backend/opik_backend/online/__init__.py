"""Online evaluation: rules that score new traces as they complete.

    ingestion ──(trace with an end time, sampled per rule)──> queue ──> workers ──> scores

The queue is a Redis stream read through a consumer group when Redis is configured, and a
table of the metadata database otherwise; both give at-least-once delivery, redelivery of
what a dead worker held, a bounded number of attempts and a dead-letter list with reasons.
Scores are written with ``source = online_scoring``; writing one again replaces it, so a
retried event still leaves one score per rule and name.
"""
