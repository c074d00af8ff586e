using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelRegistry.Host;

namespace ModelRegistry.Components.Tests;

/// <summary>A registry does not phone home: the host's bus sends MassTransit no usage report, however it is started.</summary>
public class UsageTelemetry_Specs
{
    [Fact]
    public void The_hosts_bus_has_MassTransits_usage_telemetry_off()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create<string, string?>("Workers", "probe")]).Build();
        var services = new ServiceCollection();
        var (_, _, errors) = RegistryHost.Compose(services, configuration);
        Assert.Empty(errors);

        using var provider = services.BuildServiceProvider();
        Assert.False(provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
