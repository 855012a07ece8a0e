-- Projects :first … :last of organization :org and everything of theirs, set-based.
-- Ids are derived from the organization and a number, so members, customers and projects can be
-- referred to without looking them up, and a second run adds to the first. A project's id starts
-- with its number, so ids grow in the order projects are written, as the service's own UUIDv7
-- ids do (app/models/base.py `new_id`): random ids would scatter an index scan over the heap in
-- a way the service's data never is (the portfolio facts at 100,000 projects: 882 → 710 ms).
INSERT INTO members (version, created_at, updated_at, id, organization_id, name, email, role,
                     weekly_capacity_hours)
SELECT 1, now(), now(), md5(:org || '-member-' || n)::uuid, :org, 'Member ' || n,
       'member' || n || '@bench.example', CASE WHEN n % 2 = 0 THEN 'project_manager' ELSE 'sales' END, 40
FROM generate_series(1, :members) AS n
ON CONFLICT DO NOTHING;
INSERT INTO customers (version, created_at, updated_at, id, organization_id, name, contacts)
SELECT 1, now(), now(), md5(:org || '-customer-' || n)::uuid, :org, 'Customer ' || n, '[]'
FROM generate_series(0, 999) AS n
ON CONFLICT DO NOTHING;
INSERT INTO projects (version, created_at, updated_at, id, organization_id, name, customer_id,
                      sales_owner_id, project_manager_id, phase, health, budget_amount,
                      budget_currency, crm_incomplete)
SELECT 1, now() - make_interval(mins => n % 1000), now() - make_interval(mins => n % 1000),
       (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid, :org, 'Project ' || n,
       md5(:org || '-customer-' || (n % 1000))::uuid,
       md5(:org || '-member-' || (1 + 2 * (n % 50)))::uuid,
       md5(:org || '-member-' || (2 + 2 * ((n / 7) % 50)))::uuid,
       (ARRAY['initiating', 'planning', 'executing', 'monitoring', 'closing', 'closed'])[1 + n % 6],
       'green',
       CASE WHEN n % 2 = 0 THEN 50000 + (n % 100) * 1000 END,
       CASE WHEN n % 2 = 0 THEN 'EUR' END,
       false
FROM generate_series(:first, :last) AS n;
INSERT INTO milestones (version, created_at, updated_at, id, organization_id, project_id, name,
                        due_date, baseline_due_date, status, completed_date, customer_visible)
SELECT 1, now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid, 'M' || k,
       d.due, d.due,
       CASE WHEN d.due >= current_date THEN 'planned'
            WHEN (n + k) % 10 < 7 THEN 'done'
            WHEN (n + k) % 10 = 7 THEN 'missed'
            ELSE 'planned' END,
       CASE WHEN d.due < current_date AND (n + k) % 10 < 7 THEN d.due + ((n + k) % 7 - 3) END,
       false
FROM generate_series(:first, :last) AS n, generate_series(1, :milestones) AS k,
     LATERAL (SELECT current_date - ((n * 7 + k * 37) % 730) + 60 AS due) AS d;
INSERT INTO risks (version, created_at, updated_at, id, organization_id, project_id, title,
                   category, probability, impact, score, response, status)
SELECT 1, now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid, 'Risk ' || k,
       'schedule', 1 + (n + k) % 5, 1 + (n * 3 + k) % 5, (1 + (n + k) % 5) * (1 + (n * 3 + k) % 5),
       'accept', (ARRAY['open', 'mitigating', 'closed'])[1 + (n + k) % 3]
FROM generate_series(:first, :last) AS n, generate_series(1, 2) AS k;
INSERT INTO survey_responses (created_at, updated_at, id, organization_id, project_id, kind, score,
                              collected_on)
SELECT now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid,
       CASE WHEN n % 2 = 0 THEN 'nps' ELSE 'csat' END,
       CASE WHEN n % 2 = 0 THEN n % 11 ELSE 1 + n % 5 END,
       current_date - n % 365
FROM generate_series(:first, :last) AS n;
INSERT INTO feedback (version, created_at, updated_at, id, organization_id, project_id, source,
                      category, sentiment, text, status, received_at, acknowledged_at)
SELECT 1, now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid, 'customer',
       'quality', 'neutral', 'Feedback ' || n,
       CASE WHEN n % 4 = 1 THEN 'new' ELSE 'acknowledged' END,
       now() - make_interval(days => n % 300),
       CASE WHEN n % 4 <> 1 THEN now() - make_interval(days => n % 300) + make_interval(hours => n % 48) END
FROM generate_series(:first, :last, 2) AS n;
INSERT INTO allocations (version, created_at, updated_at, id, organization_id, project_id,
                         member_id, start_date, end_date, percent)
SELECT 1, now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid,
       md5(:org || '-member-' || (1 + n % :members))::uuid,
       current_date - n % 300, current_date - n % 300 + 60, 10 + 10 * (n % 10)
FROM generate_series(:first, :last) AS n;
INSERT INTO cost_entries (created_at, updated_at, id, organization_id, project_id, amount, currency,
                          incurred_on, description)
SELECT now(), now(), gen_random_uuid(), :org, (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid,
       40000 + n % 30000, 'EUR', current_date - n % 200, 'Cost ' || n
FROM generate_series(:first, :last, 2) AS n;
INSERT INTO activities (version, created_at, updated_at, id, organization_id, project_id, name,
                        phase, position)
SELECT 1, now(), now(), md5(:org || '-activity-' || n || '-' || k)::uuid, :org,
       (lpad(to_hex(n), 12, '0') || substr(md5(:org || '-project-' || n), 13))::uuid, 'Activity ' || k,
       (ARRAY['initiating', 'planning', 'executing'])[k], k
FROM generate_series(:first, :last) AS n, generate_series(1, 3) AS k;
INSERT INTO raci_assignments (activity_id, member_id, role)
SELECT md5(:org || '-activity-' || n || '-' || k)::uuid,
       md5(:org || '-member-' || (2 + 2 * ((n / 7) % 50)))::uuid, 'A'
FROM generate_series(:first, :last) AS n, generate_series(1, 3) AS k;
INSERT INTO raci_assignments (activity_id, member_id, role)
SELECT md5(:org || '-activity-' || n || '-' || k)::uuid,
       md5(:org || '-member-' || (1 + 2 * (n % 50)))::uuid, 'R'
FROM generate_series(:first, :last) AS n, generate_series(1, 3) AS k;
