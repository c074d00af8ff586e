using System.Diagnostics;
using Dapper;
using ModelRegistry.Retention.Rules;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// Loads a <see cref="RetentionRegistry"/> into a freshly migrated database by binary COPY: models and tags, versions,
/// objects and files, lineage (with the base), stage history, open deployment intervals (half by version, half by
/// manifest digest only), open promotions, legal holds and retention states. The foreign keys of the tables loaded are
/// dropped for the load and validated after it; everything is analyzed at the end.
/// </summary>
internal static class RetentionBulkLoad
{
    private static readonly string[] Tables =
        ["model_tags", "model_versions", "artifact_files", "lineage", "stage_changes", "deployment_intervals", "legal_holds", "version_retention"];

    public static async Task LoadAsync(string ownerConnectionString, RetentionRegistry registry)
    {
        await using var owner = new NpgsqlConnection(ownerConnectionString);
        await owner.OpenAsync();
        await owner.ExecuteAsync("SET maintenance_work_mem = '512MB'");
        var foreignKeys = (await owner.QueryAsync<(string, string, string)>("""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND conrelid::regclass::text = ANY(@Tables) ORDER BY 1, 2
            """, new { Tables = Tables.Select(t => "registry." + t).ToArray() })).ToList();
        foreach (var (table, name, _) in foreignKeys) await owner.ExecuteAsync($"ALTER TABLE {table} DROP CONSTRAINT {name}");

        var clock = Stopwatch.StartNew();
        var versions = registry.Versions;
        var rows = 0L;
        rows += await CopyAsync(owner, "registry.models (model_id, name, owner_team, risk_tier, next_version)", Enumerable.Range(0, registry.Models),
            async (w, m) => await w.WriteRowAsync(default, registry.ModelIds[m], RetentionRegistry.ModelName(m), RetentionRegistry.Team(m), "medium",
                versions.Count / registry.Models + 1));
        rows += await CopyAsync(owner, "registry.model_tags (model_id, key, value)",
            Enumerable.Range(0, registry.Models).SelectMany(m => RetentionRegistry.Tags(m).Select(t => (m, t.Key, t.Value))),
            async (w, x) => await w.WriteRowAsync(default, registry.ModelIds[x.m], x.Key, x.Value));

        var modelOf = new Dictionary<string, int>(registry.Models, StringComparer.Ordinal);
        for (var m = 0; m < registry.Models; m++) modelOf[RetentionRegistry.ModelName(m)] = m;
        var indexed = versions.Select((v, i) => (v, i, m: modelOf[v.ModelName])).ToList();
        rows += await CopyAsync(owner, "registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, owner_team, risk_tier, trained_at, registered_at)",
            indexed, async (w, x) => await w.WriteRowAsync(default, x.v.VersionId, registry.ModelIds[x.m], x.v.Version, Digest(x.i), $"bench-{x.i}",
                x.v.OwnerTeam, "medium", x.v.RegisteredAt.UtcDateTime, x.v.RegisteredAt.UtcDateTime));
        rows += await CopyAsync(owner, "registry.artifact_objects (sha256, size)",
            versions.SelectMany(v => v.Objects).DistinctBy(o => o.Sha256), async (w, o) => await w.WriteRowAsync(default, o.Sha256, o.Size));
        rows += await CopyAsync(owner, "registry.artifact_files (version_id, path, role, sha256, size, source_uri)",
            versions.SelectMany(v => v.Objects.Select((o, k) => (v.VersionId, o, k))),
            async (w, x) => await w.WriteRowAsync(default, x.VersionId, x.k == 0 ? "model.bin" : "config.json", x.k == 0 ? "weights" : "config",
                x.o.Sha256, x.o.Size, "s3://bench/" + x.o.Sha256));
        rows += await CopyAsync(owner, "registry.lineage (version_id, training_run_id, code_repository, code_commit, base_version_id)", indexed,
            async (w, x) =>
            {
                await w.StartRowAsync();
                await w.WriteAsync(x.v.VersionId, NpgsqlDbType.Uuid);
                await w.WriteAsync($"run-{x.i}", NpgsqlDbType.Text);
                await w.WriteAsync("https://git.example/bench", NpgsqlDbType.Text);
                await w.WriteAsync(RetentionRegistry.Hex(x.i, 4)[..40], NpgsqlDbType.Text);
                if (x.v.BaseVersionId is { } b) await w.WriteAsync(b, NpgsqlDbType.Uuid);
                else await w.WriteNullAsync();
            });
        rows += await CopyAsync(owner, "registry.stage_changes (model_id, version_id, version, from_stage, to_stage, changed_at, cause, cause_id, actor)",
            indexed.SelectMany(x => StageChanges(registry.Stage[x.i]).Select((c, k) => (x, c.From, c.To, k))),
            async (w, s) => await w.WriteRowAsync(default, registry.ModelIds[s.x.m], s.x.v.VersionId, s.x.v.Version, s.From, s.To,
                s.x.v.RegisteredAt.UtcDateTime.AddDays(1 + s.k), "promotion", Guid.CreateVersion7(), "bench"));

        var serving = indexed.Where(x => x.v.ServingNow).ToList();
        rows += await CopyAsync(owner, "registry.endpoints (endpoint_id, environment, first_seen_at, last_event_at)", serving,
            async (w, x) => await w.WriteRowAsync(default, $"endpoint-{x.i}", "production", x.v.RegisteredAt.UtcDateTime, x.v.RegisteredAt.UtcDateTime));
        rows += await CopyAsync(owner, "registry.deployment_intervals (endpoint_id, environment, deployment_id, version_id, model_name, version, manifest_digest, traffic_percent, served, source)",
            serving, async (w, x) =>
            {
                // Half of what serves is known by version, half only by the digest an inventory reported.
                var byVersion = x.i % 2 == 0;
                await w.StartRowAsync();
                await w.WriteAsync($"endpoint-{x.i}", NpgsqlDbType.Text);
                await w.WriteAsync("production", NpgsqlDbType.Text);
                await w.WriteAsync("deploy-1", NpgsqlDbType.Text);
                if (byVersion) await w.WriteAsync(x.v.VersionId, NpgsqlDbType.Uuid);
                else await w.WriteNullAsync();
                await w.WriteAsync(x.v.ModelName, NpgsqlDbType.Text);
                await w.WriteAsync(x.v.Version, NpgsqlDbType.Integer);
                await w.WriteAsync(Digest(x.i), NpgsqlDbType.Text);
                await w.WriteAsync(100.0, NpgsqlDbType.Double);
                await w.WriteAsync(new NpgsqlRange<DateTime>(x.v.RegisteredAt.UtcDateTime.AddDays(1), true, false, default, false, true), NpgsqlDbType.TimestampTzRange);
                await w.WriteAsync(byVersion ? "reported" : "observed", NpgsqlDbType.Text);
            });
        rows += await CopyAsync(owner, "registry.promotions (promotion_id, saga_version, state, model_name, version, target_stage, requested_by, reason, requested_at, updated_at)",
            indexed.Where(x => x.v.OpenPromotion), async (w, x) => await w.WriteRowAsync(default, Guid.CreateVersion7(), 1, "AwaitingApproval", x.v.ModelName,
                x.v.Version, "production", "bench", "bench", RetentionRegistry.Now.UtcDateTime, RetentionRegistry.Now.UtcDateTime));
        var holds = Enumerable.Range(0, registry.Models).Where(m => registry.ModelHeld[m]).Select(m => (Model: m, Version: (Guid?)null))
            .Concat(indexed.Where(x => registry.VersionHeld[x.i]).Select(x => (Model: x.m, Version: (Guid?)x.v.VersionId)));
        rows += await CopyAsync(owner, "registry.legal_holds (hold_id, model_id, version_id, reason, placed_by, placed_at)", holds, async (w, h) =>
        {
            await w.StartRowAsync();
            await w.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            await w.WriteAsync(registry.ModelIds[h.Model], NpgsqlDbType.Uuid);
            if (h.Version is { } id) await w.WriteAsync(id, NpgsqlDbType.Uuid);
            else await w.WriteNullAsync();
            await w.WriteAsync("litigation", NpgsqlDbType.Text);
            await w.WriteAsync("legal", NpgsqlDbType.Text);
            await w.WriteAsync(RetentionRegistry.Now.UtcDateTime.AddDays(-10), NpgsqlDbType.TimestampTz);
        });
        var sweep = Guid.CreateVersion7();
        rows += await CopyAsync(owner, "registry.version_retention (version_id, state, archived_at, archive_rule, archive_sweep, deleted_at, delete_rule, delete_sweep)",
            versions.Where(v => v.State != RetentionState.Stored), async (w, v) =>
            {
                var deleted = v.State == RetentionState.Deleted;
                await w.StartRowAsync();
                await w.WriteAsync(v.VersionId, NpgsqlDbType.Uuid);
                await w.WriteAsync(deleted ? "deleted" : "archived", NpgsqlDbType.Text);
                await w.WriteAsync(v.ArchivedAt!.Value.UtcDateTime, NpgsqlDbType.TimestampTz);
                await w.WriteAsync("default", NpgsqlDbType.Text);
                await w.WriteAsync(sweep, NpgsqlDbType.Uuid);
                if (deleted)
                {
                    await w.WriteAsync(v.ArchivedAt!.Value.UtcDateTime, NpgsqlDbType.TimestampTz);
                    await w.WriteAsync("default", NpgsqlDbType.Text);
                    await w.WriteAsync(sweep, NpgsqlDbType.Uuid);
                }
                else for (var k = 0; k < 3; k++) await w.WriteNullAsync();
            });
        Console.WriteLine($"load: {rows:N0} rows by binary COPY in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        foreach (var (table, name, definition) in foreignKeys)
            await owner.ExecuteAsync($"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}", commandTimeout: 0);
        foreach (var table in Tables.Concat(["models", "artifact_objects", "endpoints", "promotions"]))
            await owner.ExecuteAsync($"ANALYZE registry.{table}", commandTimeout: 0);
        Console.WriteLine($"foreign keys validated and database analyzed in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string Digest(int i) => "sha256:" + RetentionRegistry.Hex(i, 3);

    private static (string From, string To)[] StageChanges(byte stage) => stage switch
    {
        0 => [],
        1 => [("registered", "staging")],
        2 => [("registered", "staging"), ("staging", "canary")],
        _ => [("registered", "staging"), ("staging", "canary"), ("canary", "production")],
    };

    private static async Task<long> CopyAsync<T>(NpgsqlConnection owner, string target, IEnumerable<T> rows, Func<NpgsqlBinaryImporter, T, Task> write)
    {
        await using var import = await owner.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)");
        import.Timeout = TimeSpan.Zero;
        foreach (var row in rows) await write(import, row);
        return (long)await import.CompleteAsync();
    }
}
