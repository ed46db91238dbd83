-- Issue 10: an inspection as the paper 检查记录表 has it.
--
-- Checklist templates (R8a): for each 抽查事项 a versioned list of check
-- points (检查项目 → 检查内容). An import that changes a 事项's points adds a
-- version; a visit copies the points of the version current at its draw, so
-- a new version applies to later draws only.
CREATE TABLE checklist_templates (
    id           TEXT PRIMARY KEY,
    catalogue_id TEXT NOT NULL REFERENCES catalogue_items (id),
    version      INTEGER NOT NULL,
    points_hash  TEXT NOT NULL, -- sha256 of the canonical points: an unchanged re-import adds no version
    source       TEXT NOT NULL DEFAULT '', -- the imported file's name
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (catalogue_id, version)
);

CREATE TABLE checklist_template_points (
    template_id TEXT NOT NULL REFERENCES checklist_templates (id),
    ord         INTEGER NOT NULL,
    group_code  TEXT NOT NULL,           -- 检查项目代码
    group_name  TEXT NOT NULL,           -- 检查项目
    code        TEXT NOT NULL,           -- 检查内容代码
    text        TEXT NOT NULL,           -- 检查内容
    method      TEXT NOT NULL DEFAULT '', -- 参考检查方法
    key_point   INTEGER NOT NULL DEFAULT 0, -- 重点项
    basis       TEXT NOT NULL DEFAULT '', -- 检查依据 (law and article)
    violation   TEXT NOT NULL DEFAULT '', -- 违反条款, cited on a notice for a failed point
    notice_text TEXT NOT NULL DEFAULT '', -- the finding's wording on a notice
    PRIMARY KEY (template_id, ord)
) WITHOUT ROWID;

-- A visit's checklist item is now one check point (or, for a 事项 without a
-- template, the 事项 itself as one line: template_id NULL). name stays the
-- line the phone shows; item_name is the 事项 it belongs to.
ALTER TABLE checklist_items ADD COLUMN item_name TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN template_id TEXT;
ALTER TABLE checklist_items ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checklist_items ADD COLUMN group_code TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN group_name TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN method TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN key_point INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checklist_items ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN violation TEXT NOT NULL DEFAULT '';
ALTER TABLE checklist_items ADD COLUMN notice_text TEXT NOT NULL DEFAULT '';

-- R11: a notice names the issuing authority by its full name (执法主体全称).
ALTER TABLE departments ADD COLUMN authority TEXT NOT NULL DEFAULT '';

-- R10a: each department marks its own part done (本部门检查完毕).
CREATE TABLE dept_finishes (
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    dept        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    mutation_id TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (visit_id, dept)
) WITHOUT ROWID;

-- R10: both inspectors of a department sign (by name and 执法证号); the
-- entity's signer gives role and phone and confirms 以上情况属实.
ALTER TABLE signatures ADD COLUMN dept TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN signer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN cert_no TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;

-- R11: a notice records who issued it (both inspectors with 执法证号), the
-- authority, the deadline in working days, and a void (作废) keeps its number.
ALTER TABLE notices ADD COLUMN authority TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN inspectors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE notices ADD COLUMN days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN voided_at TEXT;
ALTER TABLE notices ADD COLUMN voided_by TEXT;
ALTER TABLE notices ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';
-- At most one live notice per department per visit. Duplicates issued
-- before this rule are voided (the earliest stays live), their numbers kept.
UPDATE notices SET voided_at = issued_at, void_reason = '同一检查同一部门重复开具（规则生效前），自动作废'
WHERE EXISTS (SELECT 1 FROM notices n2 WHERE n2.visit_id = notices.visit_id AND n2.dept = notices.dept
    AND (n2.issued_at < notices.issued_at OR (n2.issued_at = notices.issued_at AND n2.id < notices.id)));
CREATE UNIQUE INDEX notices_live ON notices (visit_id, dept) WHERE voided_at IS NULL;
