SELECT
  d.name AS department,
  COUNT(e.id) AS headcount,
  COALESCE(SUM(e.salary), 0) AS payroll
FROM departments AS d
LEFT JOIN employees AS e ON e.department_id = d.id
GROUP BY d.id, d.name
ORDER BY payroll DESC, department;
