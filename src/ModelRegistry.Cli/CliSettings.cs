using Microsoft.Extensions.Configuration;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using Npgsql;

namespace ModelRegistry.Cli;

public sealed record CliSettings
{
    public CliSettings(RabbitMqOptions rabbitMq, DatabaseOptions database, ArtifactStoreOptions? artifacts = null)
    {
        RabbitMq = rabbitMq;
        Database = database;
        Artifacts = artifacts ?? new ArtifactStoreOptions();
    }

    public RabbitMqOptions RabbitMq { get; init; }
    public DatabaseOptions Database { get; init; }
    public ArtifactStoreOptions Artifacts { get; init; }

    /// <summary>
    /// The settings from the environment, bound and checked as the host binds them (<see cref="SettingsBinder"/>); a
    /// setting that is invalid ends mreg with one line per problem and exit code 2, as the host does.
    /// </summary>
    public static CliSettings Load()
    {
        var settings = new SettingsBinder(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var loaded = new CliSettings(settings.Bind<RabbitMqOptions>(RabbitMqOptions.Section), settings.Bind<DatabaseOptions>(DatabaseOptions.Section),
            settings.Bind<ArtifactStoreOptions>(ArtifactStoreOptions.Section));
        if (settings.Errors.Count == 0) return loaded;
        foreach (var problem in settings.Errors) Console.Error.WriteLine($"mreg: {problem}");
        Environment.Exit(2);
        return loaded; // not reached
    }

    /// <summary>The one way the CLI reaches the database: the application role, which may read every registry table.</summary>
    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(Database.ConnectionString);
}
