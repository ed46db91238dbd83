-- The member departments the office chose for a plan's placeholder
-- department (待定, 相关成员单位; R3a): settled once for the plan, so that
-- the plan lists them and its tasks take them unless a task names others.
-- A re-import of the year deletes the plan and with it its settlements.
CREATE TABLE plan_settlements (
    plan_id TEXT NOT NULL,
    ord     INTEGER NOT NULL, -- the placeholder's plan_departments.ord
    dept    TEXT NOT NULL REFERENCES departments (code),
    pos     INTEGER NOT NULL, -- the order chosen
    PRIMARY KEY (plan_id, ord, dept),
    FOREIGN KEY (plan_id, ord) REFERENCES plan_departments (plan_id, ord) ON DELETE CASCADE
);
