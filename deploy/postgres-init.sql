-- First start of the product's PostgreSQL: Windmill keeps its own database on the same server.
CREATE DATABASE windmill;
