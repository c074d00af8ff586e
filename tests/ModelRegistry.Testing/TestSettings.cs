using Microsoft.Extensions.Configuration;
using ModelRegistry.Platform;

namespace ModelRegistry.Testing;

/// <summary>
/// Where the services of <c>compose/services.sh</c> listen, read from the same environment variables
/// as the host (defaults match the script), plus the admin account tests use to make private vhosts.
/// </summary>
public sealed record TestSettings(RabbitMqOptions RabbitMq, DatabaseOptions Database, int ManagementPort, string AdminUsername, string AdminPassword)
{
    public static TestSettings Load()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var rabbit = new RabbitMqOptions();
        configuration.GetSection(RabbitMqOptions.Section).Bind(rabbit);
        var database = new DatabaseOptions();
        configuration.GetSection(DatabaseOptions.Section).Bind(database);
        return new TestSettings(rabbit, database,
            configuration.GetValue("RabbitMq:ManagementPort", 15673),
            configuration["RabbitMq:AdminUsername"] ?? "mreg-admin",
            configuration["RabbitMq:AdminPassword"] ?? "mreg-admin");
    }
}
