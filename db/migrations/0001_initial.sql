CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"company" text,
	"email" text,
	"phone_e164" text,
	"notes" text,
	"tier" text,
	"cadence_days" integer,
	"relationship_score" integer,
	"score_updated_at" timestamp with time zone,
	"last_contacted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_phone_e164_unique" UNIQUE("phone_e164")
);
--> statement-breakpoint
CREATE TABLE "relationship_scores" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" uuid NOT NULL,
	"score" integer NOT NULL,
	"strength" real NOT NULL,
	"priority" real NOT NULL,
	"factors" jsonb NOT NULL,
	"scorer_version" text NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phone_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_session_id" text NOT NULL,
	"call_control_id" text,
	"call_leg_id" text,
	"source" text DEFAULT 'call_control' NOT NULL,
	"contact_id" uuid,
	"phone_number" text NOT NULL,
	"our_number" text,
	"caller_name" text,
	"direction" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_seconds" integer,
	"hangup_cause" text,
	"hangup_source" text,
	"last_event_at" timestamp with time zone,
	"recording_location" text,
	"recording_content_type" text,
	"recording_bytes" integer,
	"recording_duration_seconds" real,
	"recording_channels" integer,
	"transcript" text,
	"speaker_segments" jsonb,
	"transcript_provider" text,
	"transcript_model" text,
	"summary" text,
	"action_items" jsonb,
	"topics" jsonb,
	"summary_provider" text,
	"summary_model" text,
	"sentiment" text,
	"sentiment_score" real,
	"sentiment_detail" jsonb,
	"sentiment_provider" text,
	"sentiment_model" text,
	"stage_status" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"pipeline_run_id" text,
	"search_tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(transcript, ''))) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "phone_records_call_session_id_unique" UNIQUE("call_session_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"telnyx_message_id" text NOT NULL,
	"contact_id" uuid,
	"direction" text NOT NULL,
	"type" text DEFAULT 'SMS' NOT NULL,
	"phone_number" text NOT NULL,
	"our_number" text,
	"text" text DEFAULT '' NOT NULL,
	"media" jsonb,
	"status" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"sentiment" text,
	"sentiment_score" real,
	"sentiment_provider" text,
	"sentiment_model" text,
	"stage_status" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"search_tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', coalesce(text, ''))) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_telnyx_message_id_unique" UNIQUE("telnyx_message_id")
);
--> statement-breakpoint
CREATE TABLE "calendar_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"location" text,
	"start_time" timestamp with time zone NOT NULL,
	"end_time" timestamp with time zone,
	"contact_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'open' NOT NULL,
	"priority" text DEFAULT 'medium' NOT NULL,
	"due_date" timestamp with time zone,
	"owner" text,
	"contact_id" uuid,
	"phone_record_id" uuid,
	"source" text DEFAULT 'manual' NOT NULL,
	"source_key" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_source_key_unique" UNIQUE("source_key")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dedupe_key" text NOT NULL,
	"rule" text NOT NULL,
	"channel" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"data" jsonb,
	"contact_id" uuid,
	"phone_record_id" uuid,
	"message_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "embeddings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source_type" text NOT NULL,
	"source_id" uuid NOT NULL,
	"contact_id" uuid,
	"kind" text NOT NULL,
	"chunk_index" integer NOT NULL,
	"content" text NOT NULL,
	"start_ms" integer,
	"model" text NOT NULL,
	"embedding" vector(512) NOT NULL,
	"occurred_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "relationship_scores" ADD CONSTRAINT "relationship_scores_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_records" ADD CONSTRAINT "phone_records_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_events" ADD CONSTRAINT "calendar_events_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_phone_record_id_phone_records_id_fk" FOREIGN KEY ("phone_record_id") REFERENCES "public"."phone_records"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "embeddings" ADD CONSTRAINT "embeddings_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contacts_score_idx" ON "contacts" USING btree ("relationship_score" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "contacts_name_idx" ON "contacts" USING btree (lower("first_name" || ' ' || "last_name"));--> statement-breakpoint
CREATE INDEX "contacts_last_contacted_idx" ON "contacts" USING btree ("last_contacted_at");--> statement-breakpoint
CREATE INDEX "relationship_scores_contact_idx" ON "relationship_scores" USING btree ("contact_id","computed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "phone_records_contact_started_idx" ON "phone_records" USING btree ("contact_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "phone_records_started_idx" ON "phone_records" USING btree ("started_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "phone_records_status_idx" ON "phone_records" USING btree ("status");--> statement-breakpoint
CREATE INDEX "phone_records_search_idx" ON "phone_records" USING gin ("search_tsv");--> statement-breakpoint
CREATE INDEX "messages_contact_occurred_idx" ON "messages" USING btree ("contact_id","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "messages_occurred_idx" ON "messages" USING btree ("occurred_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search_tsv");--> statement-breakpoint
CREATE INDEX "calendar_events_start_idx" ON "calendar_events" USING btree ("start_time");--> statement-breakpoint
CREATE INDEX "tasks_open_due_idx" ON "tasks" USING btree ("status","due_date");--> statement-breakpoint
CREATE INDEX "tasks_contact_idx" ON "tasks" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "tasks_phone_record_idx" ON "tasks" USING btree ("phone_record_id");--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "embeddings_source_chunk_idx" ON "embeddings" USING btree ("source_type","source_id","kind","chunk_index","model");--> statement-breakpoint
CREATE INDEX "embeddings_hnsw_idx" ON "embeddings" USING hnsw ("embedding" vector_cosine_ops);--> statement-breakpoint
CREATE INDEX "embeddings_contact_idx" ON "embeddings" USING btree ("contact_id");