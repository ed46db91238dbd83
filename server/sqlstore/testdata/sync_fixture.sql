-- A joint task for the sync tests: three departments (市市场监管局 scjg,
-- 市卫生健康委 wjw, 市住建局 zjj) inspect three entities together (visits
-- v1..v3, two items per department); a second task (t2: wjw and zjj only,
-- visit v9) lies outside the scjg lead's scope. Users' ids are their names.
INSERT INTO regions (code, name, level, parent) VALUES
  ('621000', '庆阳市', 'city', NULL),
  ('621002', '西峰区', 'county', '621000');
INSERT INTO departments (code, name, short, kind, ord) VALUES
  ('lxb', '联席办', '庆联', 'office', 0),
  ('scjg', '市市场监管局', '庆市监', 'member', 1),
  ('wjw', '市卫生健康委', '庆卫健', 'member', 2),
  ('zjj', '市住建局', '庆住建', 'member', 3);
INSERT INTO users (id, username, name, password_hash, role, dept, region, cert_no, created_at) VALUES
  ('insp1', 'insp1', '张一', 'x', 'inspector', 'scjg', '621002', 'SC001', '2024-01-01T00:00:00.000Z'),
  ('insp2', 'insp2', '李二', 'x', 'inspector', 'scjg', '621002', 'SC002', '2024-01-01T00:00:00.000Z'),
  ('insp3', 'insp3', '王三', 'x', 'inspector', 'wjw', '621002', 'WJ001', '2024-01-01T00:00:00.000Z'),
  ('insp4', 'insp4', '赵四', 'x', 'inspector', 'zjj', '621002', 'ZJ001', '2024-01-01T00:00:00.000Z'),
  ('lead', 'lead', '组长', 'x', 'lead', 'scjg', '621000', '', '2024-01-01T00:00:00.000Z'),
  ('office', 'office', '联席办', 'x', 'office', 'lxb', '621000', '', '2024-01-01T00:00:00.000Z');
INSERT INTO plans (id, year, seq, sub, domain, target, name, ratio_text, ratio, delegated, levels, initiator, window_text, source_row, created_at)
  VALUES ('p1', 2024, 1, 1, '食品', '餐饮服务单位', '餐饮服务单位联合抽查', '10%', '{"base":10}', 0, '["市级"]', 'scjg', '6月', 2, '2024-01-01T00:00:00.000Z');
INSERT INTO entities (id, uscc, name, region, risk, status, updated_at) VALUES
  ('e1', '91621002MA00000001', '西峰区甲餐馆', '621002', 'B', '存续', '2024-01-01T00:00:00.000Z'),
  ('e2', '91621002MA00000002', '西峰区乙餐馆', '621002', 'C', '存续', '2024-01-01T00:00:00.000Z'),
  ('e3', '91621002MA00000003', '西峰区丙餐馆', '621002', 'A', '存续', '2024-01-01T00:00:00.000Z');
INSERT INTO tasks (id, plan_id, region, batch, level, tag, created_by, created_at) VALUES
  ('t1', 'p1', '621002', 1, '市级', '餐饮服务单位', 'office', '2024-01-01T00:00:00.000Z'),
  ('t2', 'p1', '621002', 2, '市级', '餐饮服务单位', 'office', '2024-01-01T00:00:00.000Z');
INSERT INTO task_departments (task_id, ord, dept) VALUES
  ('t1', 1, 'scjg'), ('t1', 2, 'wjw'), ('t1', 3, 'zjj'),
  ('t2', 1, 'wjw'), ('t2', 2, 'zjj');
INSERT INTO draws (id, task_id, algorithm, seed, snapshot_hash, population, drawn, strata, result, risk_applicable, risk_stratified, created_by, created_at) VALUES
  ('d1', 't1', 'test', '00', '00', 3, 3, '{}', '{}', 1, 1, 'office', '2024-01-01T00:00:00.000Z'),
  ('d2', 't2', 'test', '00', '00', 1, 1, '{}', '{}', 1, 1, 'office', '2024-01-01T00:00:00.000Z');
INSERT INTO visits (id, task_id, draw_id, entity_id, risk, stratum, scheduled_on, created_at) VALUES
  ('v1', 't1', 'd1', 'e1', 'B', 'B', '2024-06-03', '2024-01-01T00:00:00.000Z'),
  ('v2', 't1', 'd1', 'e2', 'C', 'C', '2024-06-04', '2024-01-01T00:00:00.000Z'),
  ('v3', 't1', 'd1', 'e3', 'A', 'A', '2024-06-05', '2024-01-01T00:00:00.000Z'),
  ('v9', 't2', 'd2', 'e1', 'B', 'B', '2024-06-06', '2024-01-01T00:00:00.000Z');
INSERT INTO visit_members (visit_id, user_id, dept) VALUES
  ('v1', 'insp1', 'scjg'), ('v1', 'insp2', 'scjg'), ('v1', 'insp3', 'wjw'), ('v1', 'insp4', 'zjj'),
  ('v2', 'insp1', 'scjg'), ('v2', 'insp2', 'scjg'), ('v2', 'insp3', 'wjw'), ('v2', 'insp4', 'zjj'),
  ('v3', 'insp1', 'scjg'), ('v3', 'insp2', 'scjg'), ('v3', 'insp3', 'wjw'), ('v3', 'insp4', 'zjj'),
  ('v9', 'insp3', 'wjw'), ('v9', 'insp4', 'zjj');
INSERT INTO checklist_items (id, visit_id, dept, ord, name, class)
  SELECT v.id || '-' || d.dept || '-' || n.ord, v.id, d.dept, n.ord, d.dept || ' 检查事项 ' || n.ord, '一般检查'
  FROM visits v JOIN task_departments d ON d.task_id = v.task_id
  CROSS JOIN (SELECT 1 AS ord UNION ALL SELECT 2) n;
