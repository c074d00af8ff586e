using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Persistence.Tests.Audit;

/// <summary>
/// Migration 0018 on a real PostgreSQL: the audit log belongs to the NOLOGIN role mreg_audit, the workers' role can only read
/// and append, and the database recomputes every appended record's hash. A fresh database per test: some append.
/// </summary>
public sealed class AuditOwnership_Specs : IAsyncLifetime
{
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task The_table_and_its_functions_belong_to_a_role_nobody_logs_in_as_and_the_workers_may_only_read_and_append()
    {
        await using var app = await env.DataSource.OpenConnectionAsync();
        var table = await app.QuerySingleAsync<(string Owner, bool CanLogin)>("""
            SELECT c.relowner::regrole::text, r.rolcanlogin FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
            WHERE c.oid = 'registry.audit_log'::regclass
            """);
        Assert.Equal(("mreg_audit", false), table);
        var functionOwners = (await app.QueryAsync<string>("""
            SELECT DISTINCT p.proowner::regrole::text FROM pg_proc p
            WHERE p.pronamespace = 'registry'::regnamespace AND (p.proname LIKE 'audit\_%')
            """)).ToList();
        Assert.Equal(["mreg_audit"], functionOwners);

        var privileges = await app.QueryAsync<string>("""
            SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
            WHERE has_table_privilege(current_user, 'registry.audit_log', p)
            """);
        Assert.Equal(["SELECT", "INSERT"], privileges);
        Assert.Null(await RuntimeRole.AuditLogPowerAsync("Database:ConnectionString", env.Database.ConnectionString));
    }

    [Theory]
    [InlineData("ALTER TABLE registry.audit_log DISABLE TRIGGER USER")]
    [InlineData("ALTER TABLE registry.audit_log DISABLE TRIGGER audit_log_links")]
    [InlineData("DROP TRIGGER audit_log_no_update_or_delete ON registry.audit_log")]
    [InlineData("DROP TRIGGER audit_log_links ON registry.audit_log")]
    [InlineData("CREATE OR REPLACE FUNCTION registry.audit_log_check_links() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")]
    [InlineData("ALTER FUNCTION registry.audit_log_refuse_change() RENAME TO off")]
    [InlineData("DROP TABLE registry.audit_log")]
    [InlineData("ALTER TABLE registry.audit_log OWNER TO mreg_app")]
    [InlineData("UPDATE registry.audit_log SET actor = 'mallory'")]
    [InlineData("DELETE FROM registry.audit_log")]
    [InlineData("TRUNCATE registry.audit_log")]
    [InlineData("SET ROLE mreg_audit")]
    public async Task The_workers_role_cannot_switch_off_drop_or_replace_what_guards_the_log_nor_change_a_record(string sql)
    {
        await AppendAsync("first");
        await using var app = await env.DataSource.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(3L, await app.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'registry.audit_log'::regclass AND NOT tgisinternal AND tgenabled = 'O'"));
        Assert.True((await new AuditReader(env.DataSource).VerifyAsync()).Verification.Ok);
    }

    [Fact]
    public async Task A_correctly_linked_but_wrongly_hashed_record_from_the_workers_role_is_refused()
    {
        var last = await AppendAsync("first");
        await using var app = await env.DataSource.OpenConnectionAsync();
        var at = AuditChain.Truncate(DateTimeOffset.UtcNow);
        const string details = """{"version":1}""";
        var right = AuditChain.ComputeHash(2, at, "mallory", "version.registered", "model_version", "m/1", "m", details, last.Hash);
        // A forger's hash: of other content than is stored (here: another actor), as after a forged canonical form.
        var forged = AuditChain.ComputeHash(2, at, "alice", "version.registered", "model_version", "m/1", "m", details, last.Hash);
        const string insert = """
            INSERT INTO registry.audit_log (sequence, recorded_at, actor, action, subject_type, subject, model_name, details, previous_hash, hash)
            VALUES (2, @At, 'mallory', 'version.registered', 'model_version', 'm/1', 'm', @Details::jsonb, @Previous, @Hash)
            """;

        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            app.ExecuteAsync(insert, new { At = at, Details = details, Previous = last.Hash, Hash = forged }));

        Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, refused.SqlState);
        Assert.Equal($"audit record 2 has hash {forged}, but its content hashes to {right} (mreg-audit-v1): a record must carry the hash of what is stored",
            refused.MessageText);
        Assert.Equal(1L, await app.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log"));
        // The same record with its own hash goes in.
        await app.ExecuteAsync(insert, new { At = at, Details = details, Previous = last.Hash, Hash = right });
        Assert.True((await new AuditReader(env.DataSource).VerifyAsync()).Verification.Ok);
    }

    [Theory]
    [InlineData("infinity")]
    [InlineData("10000-01-01 00:00:00+00")]
    public async Task A_record_whose_time_has_no_canonical_form_is_refused(string recordedAt)
    {
        var last = await AppendAsync("first");
        await using var app = await env.DataSource.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteAsync("""
            INSERT INTO registry.audit_log (sequence, recorded_at, actor, action, subject_type, subject, details, previous_hash, hash)
            VALUES (2, @At::timestamptz, 'x', 'y', 'z', 's', '{}', @Previous, @Hash)
            """, new { At = recordedAt, Previous = last.Hash, Hash = new string('a', 64) }));

        Assert.Equal("audit record 2 has no canonical form: its recorded_at is outside the years 1 to 9999", refused.MessageText);
    }

    [Fact]
    public async Task The_database_hash_of_the_documented_example_is_the_documented_hash()
    {
        await using var app = await env.DataSource.OpenConnectionAsync();
        var hash = await app.ExecuteScalarAsync<string>("""
            SELECT registry.audit_hash(1, '2024-06-01T12:00:00.123456Z', 'alice', 'version.registered', 'model_version', 'sentiment/1',
                'sentiment', '{"version":1,"digest":"sha256:ab","b":[1.50,1e2,"x\ny"],"a":{"é":true,"z":null}}', repeat('0', 64))
            """);
        Assert.Equal("2bb562d3bd89b6cf4610d078d404349f01476d8ba5934c55d3cdfb4b416b837e", hash);
    }

    private async Task<AuditEntry> AppendAsync(string subject)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync();
        var entry = await AuditLog.AppendAsync(c, tx, new AuditAppend("svc:test", "test.appended", "test", subject, null, new { subject }),
            DateTimeOffset.UtcNow, default);
        await tx.CommitAsync();
        return entry;
    }
}
