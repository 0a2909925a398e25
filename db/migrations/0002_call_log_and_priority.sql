ALTER TABLE "contacts" ADD COLUMN "relationship_priority" real;--> statement-breakpoint
CREATE INDEX "contacts_priority_idx" ON "contacts" USING btree ("relationship_priority" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "phone_records_call_time_idx" ON "phone_records" USING btree (coalesce("started_at", "created_at") desc,"id" desc);--> statement-breakpoint
CREATE INDEX "phone_records_contact_call_time_idx" ON "phone_records" USING btree ("contact_id",coalesce("started_at", "created_at") desc);--> statement-breakpoint
CREATE INDEX "phone_records_phone_number_idx" ON "phone_records" USING btree ("phone_number");--> statement-breakpoint
CREATE INDEX "messages_phone_number_idx" ON "messages" USING btree ("phone_number");