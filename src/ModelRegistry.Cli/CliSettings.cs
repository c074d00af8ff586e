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

    public static CliSettings Load()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var rabbit = new RabbitMqOptions();
        configuration.GetSection(RabbitMqOptions.Section).Bind(rabbit);
        var database = new DatabaseOptions();
        configuration.GetSection(DatabaseOptions.Section).Bind(database);
        var artifacts = new ArtifactStoreOptions();
        configuration.GetSection(ArtifactStoreOptions.Section).Bind(artifacts);
        return new CliSettings(rabbit, database, artifacts);
    }

    /// <summary>The one way the CLI reaches the database: the application role, which may read every registry table.</summary>
    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(Database.ConnectionString);
}
