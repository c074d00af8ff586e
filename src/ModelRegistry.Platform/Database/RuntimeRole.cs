using Dapper;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>
/// What the host's runtime role may not be: one that could rewrite the audit log. A superuser can switch its triggers off;
/// a member of the role that owns <c>registry.audit_log</c> (mreg_audit) can alter or drop them; a member of the schema's
/// owner can drop the table; a role with CREATEROLE can make itself a member of either (docs/audit.md, "Who owns what").
/// </summary>
public static class RuntimeRole
{
    private const string Powers = """
        SELECT current_user::text AS role, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
               t.relowner::regrole::text AS tableowner, coalesce(pg_has_role(current_user, t.relowner, 'MEMBER'), false) AS ownstable,
               n.nspowner::regrole::text AS schemaowner, coalesce(pg_has_role(current_user, n.nspowner, 'MEMBER'), false) AS ownsschema
        FROM pg_roles r
        LEFT JOIN pg_class t ON t.oid = to_regclass('registry.audit_log')
        LEFT JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE r.rolname = current_user
        """;

    private sealed record Power(string Role, bool Superuser, bool CreateRole, string? TableOwner, bool OwnsTable, string? SchemaOwner, bool OwnsSchema);

    /// <summary>Null when the role of <paramref name="connectionString"/> cannot change the audit log; else the one line saying why it could.</summary>
    public static async Task<string?> AuditLogPowerAsync(string setting, string connectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var p = await connection.QuerySingleAsync<Power>(new CommandDefinition(Powers, cancellationToken: ct));
        var why = p switch
        {
            { Superuser: true } => "is a superuser, so it could switch the audit log's triggers off and rewrite it",
            { CreateRole: true } => "has CREATEROLE, so it could make itself a member of the audit log's owner",
            { OwnsTable: true } => $"is a member of {p.TableOwner}, which owns registry.audit_log, so it could alter or drop the log's triggers",
            { OwnsSchema: true } => $"is a member of {p.SchemaOwner}, which owns schema registry, so it could drop the audit log",
            _ => null,
        };
        return why is null ? null
            : $"{setting}: role {p.Role} {why}; run the workers as a role with data privileges only (mreg_app) and keep the owner's credentials for the migration step";
    }
}
