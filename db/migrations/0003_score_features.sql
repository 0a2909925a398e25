ALTER TABLE "relationship_scores" ALTER COLUMN "factors" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "relationship_scores" ADD COLUMN "features" double precision[];