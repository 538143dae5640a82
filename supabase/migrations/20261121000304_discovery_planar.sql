-- Module: discovery (the planar walk)
-- Web Mercator positions and the bounds that make a walk in plane distance order exact in true
-- distance: used by private.provider_category_points (..0305) and its nearby walks.

------------------------------------------------------------------------------------------------
-- The planar walk: Web Mercator positions
------------------------------------------------------------------------------------------------
-- The nearby walks order rows by their distance on the Web Mercator plane (EPSG:3857), whose
-- 2-D GiST index is several times cheaper to walk than the geography one (a plane distance per
-- index entry instead of a spherical one, and a tighter tree: measured at 1M providers, 52 pages
-- read for a page of 20 where the geography index read 164). The plane distance P and the true
-- distance D on the geography sphere (radius R) are tied by the projection's scale: between two
-- points whose shortest path stays at latitudes up to phi, D >= (R / a) * cos(phi) * P (a: the
-- projection's radius), so the walk reads rows by P and stops when even the lowest scale times P
-- passes the true distance of the page's last row (private.discovery_category_nearest). Away from
-- the poles (|latitude| + the radius below 85 degrees) and the antimeridian only
-- (private.discovery_planar_ok); elsewhere searches take the general query (geography index of
-- provider_profiles).
create or replace function private.discovery_position(p_location extensions.geography)
returns extensions.geometry
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_point extensions.geometry := p_location::extensions.geometry;
begin
  -- Spherical Web Mercator (a = 6378137 m); latitudes clamped where the projection is finite
  -- (the walk never serves those: private.discovery_planar_ok).
  return extensions.st_setsrid(extensions.st_makepoint(
           6378137 * radians(extensions.st_x(v_point)),
           6378137 * ln(tan(pi() / 4 + radians(least(greatest(extensions.st_y(v_point), -89.9999), 89.9999)) / 2))), 3857);
end;
$$;
comment on function private.discovery_position(extensions.geography) is
  'Discovery: the Web Mercator (EPSG:3857, spherical) position of a point: the planar walk''s key.';
revoke all on function private.discovery_position(extensions.geography) from public, anon, authenticated, service_role;
grant execute on function private.discovery_position(extensions.geography) to anon, authenticated, service_role;

-- The least ratio of the true distance to the plane distance between a point at latitude p_lat
-- and any point within p_distance metres of it (1e-6 of margin for rounding).
create or replace function private.discovery_planar_scale(p_lat double precision, p_distance double precision)
returns double precision
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return 6371008.7714 / 6378137 * cos(radians(least(abs(p_lat) + degrees(greatest(p_distance, 0) / 6371008.7714), 90)))
         * (1 - 1e-6);
end;
$$;
comment on function private.discovery_planar_scale(double precision, double precision) is
  'Discovery: a lower bound of true distance / Web Mercator distance for points within p_distance metres of latitude p_lat.';
revoke all on function private.discovery_planar_scale(double precision, double precision) from public, anon, authenticated, service_role;
grant execute on function private.discovery_planar_scale(double precision, double precision) to anon, authenticated, service_role;

-- Whether the planar walk serves a point and radius: every point within the radius is below 85
-- degrees of latitude and on the same side of the antimeridian.
create or replace function private.discovery_planar_ok(p_point extensions.geography, p_radius double precision)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_band double precision := abs(extensions.st_y(p_point::extensions.geometry)) + degrees(p_radius / 6371008.7714);
begin
  return v_band < 85
     and abs(extensions.st_x(p_point::extensions.geometry)) + degrees(p_radius / 6371008.7714) / cos(radians(v_band)) < 180;
end;
$$;
comment on function private.discovery_planar_ok(extensions.geography, double precision) is
  'Discovery: whether the planar (Web Mercator) walk serves a search around the point within the radius (away from the poles and the antimeridian).';
revoke all on function private.discovery_planar_ok(extensions.geography, double precision) from public, anon, authenticated, service_role;
grant execute on function private.discovery_planar_ok(extensions.geography, double precision) to anon, authenticated, service_role;

-- The box on the plane of latitude/longitude bounds (Web Mercator keeps such rectangles
-- rectangular), a metre wider each side: every point inside the bounds is inside it; the walks
-- take it as their index condition and check the bounds exactly on the rows it holds.
create or replace function private.discovery_plane_box(
  p_south double precision, p_west double precision, p_north double precision, p_east double precision)
returns extensions.geometry
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_low extensions.geometry := private.discovery_position(
    extensions.st_setsrid(extensions.st_makepoint(p_west, p_south), 4326)::extensions.geography);
  v_high extensions.geometry := private.discovery_position(
    extensions.st_setsrid(extensions.st_makepoint(p_east, p_north), 4326)::extensions.geography);
begin
  return extensions.st_makeenvelope(extensions.st_x(v_low) - 1, extensions.st_y(v_low) - 1,
                                    extensions.st_x(v_high) + 1, extensions.st_y(v_high) + 1, 3857);
end;
$$;
comment on function private.discovery_plane_box(double precision, double precision, double precision, double precision) is
  'Discovery: the Web Mercator box (a metre of margin) holding latitude/longitude bounds: the index condition of map walks.';
revoke all on function private.discovery_plane_box(double precision, double precision, double precision, double precision)
  from public, anon, authenticated, service_role;
grant execute on function private.discovery_plane_box(double precision, double precision, double precision, double precision)
  to anon, authenticated, service_role;
