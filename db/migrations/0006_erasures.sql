CREATE TABLE "erasures" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "phone_records" DROP COLUMN "pipeline_run_id";--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "stage_status";