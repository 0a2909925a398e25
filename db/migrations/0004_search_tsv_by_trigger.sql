ALTER TABLE "phone_records" ALTER COLUMN "search_tsv" DROP EXPRESSION;--> statement-breakpoint
-- search_tsv was a generated column, recomputed (to_tsvector over the whole transcript) on every
-- update of the row. Now a trigger keeps it, and only when the summary or the transcript is written.
CREATE OR REPLACE FUNCTION "phone_records_search_tsv"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."search_tsv" := to_tsvector('english', coalesce(NEW."summary", '') || ' ' || coalesce(NEW."transcript", ''));
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "phone_records_search_tsv" BEFORE INSERT OR UPDATE OF "summary", "transcript", "search_tsv" ON "phone_records"
  FOR EACH ROW EXECUTE FUNCTION "phone_records_search_tsv"();
