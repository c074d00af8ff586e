using Microsoft.Extensions.Configuration;
using ModelRegistry.Components;
using ModelRegistry.Persistence;

namespace ModelRegistry.Cli;

public sealed record CliSettings(RabbitMqOptions RabbitMq, DatabaseOptions Database)
{
    public static CliSettings Load()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var rabbit = new RabbitMqOptions();
        configuration.GetSection(RabbitMqOptions.Section).Bind(rabbit);
        var database = new DatabaseOptions();
        configuration.GetSection(DatabaseOptions.Section).Bind(database);
        return new CliSettings(rabbit, database);
    }
}
