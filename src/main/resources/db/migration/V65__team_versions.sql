-- A team's version for its editor's If-Match: two admins editing one team at once must not lose
-- each other's member changes silently (the editor sends the whole member list). Every change of
-- the team, its members included, moves it.
ALTER TABLE teams ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
