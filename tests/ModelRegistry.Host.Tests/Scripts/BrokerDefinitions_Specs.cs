using System.Runtime.Versioning;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>
/// docker-compose.yml's broker has the users of compose/broker-users.json as services.sh makes them: it loads
/// compose/rabbitmq-definitions.json, the output of <c>compose/services.sh definitions</c> with the defaults.
/// </summary>
[SupportedOSPlatform("linux")]
public class BrokerDefinitions_Specs
{
    private static readonly string Compose = Path.Combine(Checkout.Repository, "compose");

    /// <summary>What would override the vhost, the workers' user or the admin: unset, so the script prints its defaults.</summary>
    private static readonly string[] Overrides =
        ["MREG_RABBIT_VHOST", "MREG_RABBIT_USER", "MREG_RABBIT_PASSWORD", "MREG_RABBIT_ADMIN_USER", "MREG_RABBIT_ADMIN_PASSWORD"];

    [Fact]
    public async Task The_committed_definitions_are_what_services_sh_prints_from_broker_users_json()
    {
        var defaults = Overrides.ToDictionary(v => v, _ => (string?)null);
        var printed = await Checkout.RunAsync(Path.Combine(Compose, "services.sh"), ["definitions"], defaults, TimeSpan.FromMinutes(1));
        Assert.True(printed.ExitCode == 0, printed.ToString());

        var committed = await File.ReadAllTextAsync(Path.Combine(Compose, "rabbitmq-definitions.json"));
        Assert.True(committed == printed.Output,
            "compose/rabbitmq-definitions.json is not what compose/services.sh definitions prints: run\n"
            + "  compose/services.sh definitions > compose/rabbitmq-definitions.json");
    }

    [Fact]
    public async Task Docker_compose_loads_them_and_its_host_connects_as_the_workers()
    {
        var compose = await File.ReadAllTextAsync(Path.Combine(Compose, "docker-compose.yml"));
        Assert.Contains("./rabbitmq-definitions.json:/etc/rabbitmq/definitions.json:ro", compose, StringComparison.Ordinal);
        Assert.Contains("./rabbitmq.conf:/etc/rabbitmq/conf.d/", compose, StringComparison.Ordinal);
        Assert.DoesNotContain("RABBITMQ_DEFAULT_USER", compose, StringComparison.Ordinal);
        Assert.Contains("RabbitMq__Username: mreg-workers", compose, StringComparison.Ordinal);
        var conf = await File.ReadAllLinesAsync(Path.Combine(Compose, "rabbitmq.conf"));
        Assert.Contains("load_definitions = /etc/rabbitmq/definitions.json", conf);
    }
}
