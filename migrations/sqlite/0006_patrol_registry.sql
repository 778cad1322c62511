-- Patrols and registries (登记造册): what 0005 left out.
-- A patrol sent back by the grid leader or cadre carries the reason until the patroller
-- records it again; a patrol entered after the fact (补录) says so.
ALTER TABLE patrol ADD COLUMN return_reason TEXT;
ALTER TABLE patrol ADD COLUMN recorded_after INTEGER NOT NULL DEFAULT 0;

-- One patrol under way per person (a second start is refused, also under a race).
CREATE UNIQUE INDEX patrol_one_open ON patrol (city_id, person_id) WHERE state = 'open';
CREATE INDEX patrol_roster_grid ON patrol_roster (city_id, grid_id, weekday, start_min);
-- 统一社会信用代码 and other codes are looked up when an entry is registered or imported.
CREATE INDEX registry_code ON registry_entry (city_id, kind, code);
