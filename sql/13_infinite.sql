--
-- 13_infinite: infinite intervals, which PostgreSQL 17 and later accept
-- ('infinity', '-infinity'; there the largest interval literal is
-- 'infinity' too), are refused for drain_timeout, expires_in and the
-- timeout of rog_wait_for_catchup() with SQLSTATE 22023, a detail and a
-- hint, and leave the mode as it was.  Before 17 core refuses the input
-- itself and the largest literal is a finite interval that counts as 100
-- years (expected/13_infinite_1.out).
--
SELECT enabled FROM rog_status();
SELECT rog_enable('inf', 'infinity');
SELECT rog_enable('inf', '-infinity');
SELECT rog_enable('inf', expires_in => 'infinity');
SELECT rog_enable('inf', expires_in => '-infinity');
SELECT rog_enable('inf', '1s', 'cluster', 'infinity');
SELECT enabled FROM rog_status();
SELECT rog_wait_for_catchup('infinity', 0);
SELECT rog_wait_for_catchup('-infinity', 1);
-- the largest interval literal
SELECT rog_enable('inf', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807') IS NOT NULL AS enabled;
SELECT rog_disable();
SELECT rog_enable('inf', expires_in => '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807') IS NOT NULL AS enabled;
SELECT enabled, expires_at > now() + interval '99 years' AS expires_in_100_years FROM rog_status();
SELECT rog_disable();
SELECT enabled FROM rog_status();
