-- The portfolio aggregate written by hand as one statement: what the endpoint is compared to.
-- $1 organization, $2 first day, $3 last day of the window.
WITH p AS (
    SELECT id, phase, project_manager_id, sales_owner_id, budget_amount
    FROM projects WHERE organization_id = $1
), m AS (
    SELECT project_id,
           count(*) FILTER (WHERE status IN ('done', 'missed') OR due_date < current_date) AS counted,
           count(*) FILTER (WHERE status = 'done' AND coalesce(completed_date, due_date) <= due_date) AS on_time,
           sum(CASE WHEN status IN ('done', 'missed') OR due_date < current_date
                    THEN greatest(0, CASE WHEN status = 'done' THEN coalesce(completed_date, due_date)
                                          ELSE current_date END - due_date)
                    ELSE 0 END) AS slip
    FROM milestones
    WHERE organization_id = $1
      -- a done milestone counts in the window it was done in, the others by their due date
      AND CASE WHEN status = 'done' THEN coalesce(completed_date, due_date) ELSE due_date END
          BETWEEN $2 AND $3
    GROUP BY project_id
), c AS (
    SELECT project_id, sum(amount) AS actual
    FROM cost_entries WHERE organization_id = $1 AND incurred_on <= $3
    GROUP BY project_id
), s AS (
    SELECT project_id,
           count(*) FILTER (WHERE kind = 'csat') AS csat_n,
           sum(score) FILTER (WHERE kind = 'csat') AS csat_total,
           count(*) FILTER (WHERE kind = 'nps') AS nps_n,
           count(*) FILTER (WHERE kind = 'nps' AND score >= 9) AS promoters,
           count(*) FILTER (WHERE kind = 'nps' AND score <= 6) AS detractors
    FROM survey_responses
    WHERE organization_id = $1 AND collected_on BETWEEN $2 AND $3
    GROUP BY project_id
), r AS (
    SELECT project_id, sum(score) AS exposure
    FROM risks WHERE organization_id = $1 AND status IN ('open', 'mitigating')
    GROUP BY project_id
), f AS (
    SELECT p.phase, p.project_manager_id, p.sales_owner_id, m.counted, m.on_time, m.slip,
           CASE WHEN c.actual IS NOT NULL AND p.budget_amount > 0
                THEN c.actual / p.budget_amount - 1 END AS variance,
           s.csat_n, s.csat_total, s.nps_n, s.promoters, s.detractors, r.exposure
    FROM p
    LEFT JOIN m ON m.project_id = p.id
    LEFT JOIN c ON c.project_id = p.id
    LEFT JOIN s ON s.project_id = p.id
    LEFT JOIN r ON r.project_id = p.id
), ack AS (
    SELECT p.phase, p.project_manager_id, p.sales_owner_id,
           extract(epoch FROM fb.acknowledged_at - fb.received_at) / 3600 AS hours
    FROM feedback fb JOIN p ON p.id = fb.project_id
    WHERE fb.organization_id = $1 AND fb.acknowledged_at IS NOT NULL
      AND fb.received_at >= $2::date AND fb.received_at < $3::date + 1
), alloc AS (
    SELECT p.phase, p.project_manager_id, p.sales_owner_id, a.member_id,
           a.percent * (least(a.end_date, $3) - greatest(a.start_date, $2) + 1) / 100.0 AS person_days
    FROM allocations a JOIN p ON p.id = a.project_id
    WHERE a.organization_id = $1 AND a.start_date <= $3 AND a.end_date >= $2
)
SELECT 'facts' AS family,
       CASE GROUPING(phase, project_manager_id, sales_owner_id)
            WHEN 7 THEN 'organization' WHEN 3 THEN 'phase' WHEN 5 THEN 'project_manager'
            ELSE 'sales_owner' END AS grouping,
       phase, project_manager_id, sales_owner_id,
       count(*) AS projects, sum(counted) AS counted, sum(on_time) AS on_time, sum(slip) AS slip,
       sum(variance) AS variance_sum, count(variance) AS variance_n,
       sum(csat_n) AS csat_n, sum(csat_total) AS csat_total, sum(nps_n) AS nps_n,
       sum(promoters) AS promoters, sum(detractors) AS detractors, sum(exposure) AS exposure,
       NULL::float8 AS value, NULL::bigint AS n
FROM f
GROUP BY GROUPING SETS ((), (phase), (project_manager_id), (sales_owner_id))
UNION ALL
SELECT 'median',
       CASE GROUPING(phase, project_manager_id, sales_owner_id)
            WHEN 7 THEN 'organization' WHEN 3 THEN 'phase' WHEN 5 THEN 'project_manager'
            ELSE 'sales_owner' END,
       phase, project_manager_id, sales_owner_id,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours), count(*)
FROM ack
GROUP BY GROUPING SETS ((), (phase), (project_manager_id), (sales_owner_id))
UNION ALL
SELECT 'utilisation',
       CASE GROUPING(phase, project_manager_id, sales_owner_id)
            WHEN 7 THEN 'organization' WHEN 3 THEN 'phase' WHEN 5 THEN 'project_manager'
            ELSE 'sales_owner' END,
       phase, project_manager_id, sales_owner_id,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       sum(person_days), count(DISTINCT member_id)
FROM alloc
GROUP BY GROUPING SETS ((), (phase), (project_manager_id), (sales_owner_id))
