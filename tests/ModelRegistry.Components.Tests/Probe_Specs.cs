using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Contracts;

namespace ModelRegistry.Components.Tests;

public class When_a_probe_arrives : IAsyncLifetime
{
    private readonly RecordingProbeStore store = new();
    private readonly SettablePrincipal sender = new() { Principal = "mreg-operator" };
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;

    public async Task InitializeAsync()
    {
        provider = new ServiceCollection()
            // Without a logger factory the test harness logs to the console at debug level, and the invalid probe's
            // expected fault would put a stack trace in the test log.
            .AddLogging()
            .AddSingleton<IProbeStore>(store)
            .AddSingleton(new HostInstance("test-host/1"))
            .AddSingleton(AccessPolicyFile.BuiltIn)
            .AddSingleton<IMessagePrincipal>(sender)
            .AddMassTransitTestHarness(x => x.AddConsumer<ProbeConsumer, ProbeConsumerDefinition>())
            .BuildServiceProvider(true);
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async Task DisposeAsync()
    {
        await harness.Stop();
        await provider.DisposeAsync();
    }

    [Fact]
    public async Task It_is_recorded_and_ProbeCompleted_names_the_host()
    {
        var probe = new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "spec", RequestedAt = DateTimeOffset.UtcNow };
        await harness.Bus.Publish(probe);

        Assert.True(await harness.GetConsumerHarness<ProbeConsumer>().Consumed.Any<RunProbe>(x => x.Context.Message.ProbeId == probe.ProbeId));
        var completed = await harness.Published.SelectAsync<ProbeCompleted>(x => x.Context.Message.ProbeId == probe.ProbeId).FirstOrDefault();
        Assert.NotNull(completed);
        Assert.Equal("test-host/1", completed.Context.Message.RecordedBy);
        Assert.Equal(RecordingProbeStore.RecordedAt, completed.Context.Message.RecordedAt);
        Assert.Equal([probe.ProbeId], store.Recorded);
    }

    [Fact]
    public async Task Without_an_id_it_faults_at_once_and_nothing_is_recorded()
    {
        await harness.Bus.Publish(new RunProbe { RequestedBy = "spec" });

        var fault = await harness.Published.SelectAsync<Fault<RunProbe>>().FirstOrDefault();
        Assert.NotNull(fault);
        Assert.Contains("ProbeId is missing", fault.Context.Message.Exceptions[0].Message);
        Assert.Empty(store.Recorded);
        Assert.False(await harness.Published.Any<ProbeCompleted>());
    }

    [Theory]
    [InlineData(null, "unauthenticated")]
    [InlineData("mreg-serving", "not_permitted")]
    public async Task From_a_sender_without_the_probe_role_it_faults_at_once_and_nothing_is_recorded(string? principal, string reason)
    {
        sender.Principal = principal;
        await harness.Bus.Publish(new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "spec" });

        var fault = await harness.Published.SelectAsync<Fault<RunProbe>>().FirstOrDefault();
        Assert.NotNull(fault);
        Assert.StartsWith($"RunProbe refused: {reason}: ", fault.Context.Message.Exceptions[0].Message);
        Assert.Empty(store.Recorded);
        Assert.False(await harness.Published.Any<ProbeCompleted>());
    }

    [Fact]
    public async Task The_registrys_own_principal_may_probe()
    {
        sender.Principal = "mreg-workers";
        var probe = new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "spec", RequestedAt = DateTimeOffset.UtcNow };
        await harness.Bus.Publish(probe);

        Assert.NotNull(await harness.Published.SelectAsync<ProbeCompleted>(x => x.Context.Message.ProbeId == probe.ProbeId).FirstOrDefault());
    }

    /// <summary>The in-memory transport carries no AMQP user_id: the test says who sent each message.</summary>
    private sealed class SettablePrincipal : IMessagePrincipal
    {
        public string? Principal { get; set; }

        public string? SenderOf(ConsumeContext context) => Principal;
    }

    private sealed class RecordingProbeStore : IProbeStore
    {
        public static readonly DateTimeOffset RecordedAt = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        public List<Guid> Recorded { get; } = [];

        public Task<DateTimeOffset> RecordAsync(RunProbe probe, string recordedBy, CancellationToken cancellationToken)
        {
            lock (Recorded) Recorded.Add(probe.ProbeId);
            return Task.FromResult(RecordedAt);
        }
    }
}
