using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>The <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions : ISettings
{
    public const string Section = "Database";

    /// <summary>The workers' runtime role: data only, no DDL.</summary>
    [Required]
    public string ConnectionString { get; set; } =
        "Host=127.0.0.1;Port=5433;Database=model_registry;Username=mreg_app;Password=mreg_app";

    /// <summary>
    /// The schema owner's role, used only by the separate migration step (<c>mreg db migrate</c>, the host's
    /// <c>--migrate-only</c>), never by a running host. Empty: use <see cref="ConnectionString"/>.
    /// </summary>
    public string MigrationConnectionString { get; set; } =
        "Host=127.0.0.1;Port=5433;Database=model_registry;Username=mreg_owner;Password=mreg_owner";

    /// <summary>
    /// No longer read: a host does not migrate (it would need the owner's credentials). Bound only to refuse it with what to
    /// do instead, so that a deployment still setting it learns that its hosts will not migrate.
    /// </summary>
    public string? MigrateAtStart { get; set; }

    /// <summary>What to run when the database is behind: the separate migration step.</summary>
    public const string MigrateHint = "run `mreg db migrate` or `ModelRegistry.Host --migrate-only` (as Database:MigrationConnectionString)";

    public string EffectiveMigrationConnectionString =>
        string.IsNullOrWhiteSpace(MigrationConnectionString) ? ConnectionString : MigrationConnectionString;

    /// <summary>The role the migrations grant data privileges to: the user of <see cref="ConnectionString"/>.</summary>
    public string AppRole => new NpgsqlConnectionStringBuilder(ConnectionString).Username
        ?? throw new InvalidOperationException("Database:ConnectionString names no Username");

    /// <summary>Checks the strings parse; returns one message per bad setting.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (name, value) in new[] { ("ConnectionString", ConnectionString), ("MigrationConnectionString", EffectiveMigrationConnectionString) })
        {
            string? error = null;
            try
            {
                var b = new NpgsqlConnectionStringBuilder(value);
                if (string.IsNullOrEmpty(b.Host)) error = "has no Host";
                else if (string.IsNullOrEmpty(b.Database)) error = "has no Database";
                else if (string.IsNullOrEmpty(b.Username)) error = "has no Username";
            }
            catch (ArgumentException e)
            {
                error = "is not a valid connection string: " + e.Message;
            }
            if (error is not null) yield return $"{Section}:{name} {error}";
        }
        if (MigrateAtStart is not null)
            yield return $"{Section}:MigrateAtStart is no longer read: hosts never migrate, so they never hold the schema owner's credentials; {MigrateHint} before starting them, and remove the setting";
    }
}
