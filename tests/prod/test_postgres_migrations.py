"""Migrations on PostgreSQL (psycopg 3) with the production settings, in a subprocess."""

from __future__ import annotations

from .conftest import manage


def test_migrate_ran_cleanly(prod_stack):
    assert prod_stack.migrate.returncode == 0
    assert "Applying" in prod_stack.migrate.stdout


def test_every_migration_is_applied(prod_stack):
    plan = manage(prod_stack.env, "showmigrations", "--plan")
    assert plan.returncode == 0, plan.stderr
    lines = [line for line in plan.stdout.splitlines() if line.strip()]
    assert lines and all(line.startswith("[X]") for line in lines), plan.stdout


def test_tables_are_in_postgres_through_psycopg3(prod_stack):
    import psycopg

    with psycopg.connect(prod_stack.database_url, connect_timeout=3) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        users = conn.execute("SELECT username FROM auth_user").fetchall()
    assert {"django_migrations", "auth_user", "django_session", "axes_accessattempt"} <= tables
    assert any(name.startswith("interactions_app_") for name in tables), sorted(tables)
    assert users == [("prod-supervisor",)]


def test_a_second_migrate_has_nothing_to_do(prod_stack):
    again = manage(prod_stack.env, "migrate", "--noinput")
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply" in again.stdout
