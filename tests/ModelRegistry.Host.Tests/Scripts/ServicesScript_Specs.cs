using System.Runtime.Versioning;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>compose/services.sh itself, on a data folder and ports of each test's own.</summary>
[SupportedOSPlatform("linux")]
public class ServicesScript_Specs
{
    [Fact]
    public async Task Down_stops_the_private_epmd_and_asking_about_a_stopped_broker_starts_none()
    {
        await using var services = new PrivateServices();
        var up = await services.RunAsync("up", "rabbitmq");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.True(Checkout.Listening(services.EpmdPort), "epmd runs while the broker does");

        var down = await services.RunAsync("down", "rabbitmq");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd still listening after down:\n" + down);

        // RabbitMQ's CLI starts an epmd before it tries to reach a node: status and a second down must not ask it.
        var status = await services.RunAsync("status");
        Assert.Contains("rabbitmq: down", status.Output);
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd listening after status of a stopped broker");
        down = await services.RunAsync("down", "rabbitmq");
        Assert.Contains("rabbitmq: not running", down.Output);
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd listening after a second down");
    }
}
