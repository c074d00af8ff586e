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

    /// <summary>The broker user mreg connects as when RabbitMq__Username is not set: people's commands go out as the operator.</summary>
    public const string DefaultBrokerUser = "mreg-operator";

    /// <summary>
    /// The settings from the environment, bound and checked as the host binds them (<see cref="SettingsBinder"/>); a
    /// setting that is invalid ends mreg with one line per problem and exit code 2, as the host does. Unlike the host's,
    /// the broker user defaults to <see cref="DefaultBrokerUser"/>, and a password not set to the user's name (the
    /// development users of compose/broker-users.json).
    /// </summary>
    public static CliSettings Load()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var settings = new SettingsBinder(configuration);
        var rabbit = settings.Bind<RabbitMqOptions>(RabbitMqOptions.Section);
        if (configuration[$"{RabbitMqOptions.Section}:Username"] is null) rabbit.Username = DefaultBrokerUser;
        if (configuration[$"{RabbitMqOptions.Section}:Password"] is null) rabbit.Password = rabbit.Username;
        var loaded = new CliSettings(rabbit, settings.Bind<DatabaseOptions>(DatabaseOptions.Section),
            settings.Bind<ArtifactStoreOptions>(ArtifactStoreOptions.Section));
        if (settings.Errors.Count == 0) return loaded;
        foreach (var problem in settings.Errors) Console.Error.WriteLine($"mreg: {problem}");
        Environment.Exit(2);
        return loaded; // not reached
    }

    /// <summary>The one way the CLI reaches the database: the application role, which may read every registry table.</summary>
    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(Database.ConnectionString);
}
