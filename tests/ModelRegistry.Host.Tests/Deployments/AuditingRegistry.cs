using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// A real host running every worker with a discovery audit every 2 seconds and deploy instructions due 10 seconds after
/// they are issued, and an observer of its events.
/// </summary>
public sealed class AuditingRegistry : IsolatedEnvironment
{
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(10);
    public const string AuditSchedule = "0/2 * * * * ?";

    public HostProcess Host { get; private set; } = null!;
    public RegistryObserver Observer { get; private set; } = null!;
    public TrainingPipeline Pipeline => new(SourceRoot);

    public IReadOnlyDictionary<string, string> HostEnvironment => new Dictionary<string, string>(EnvironmentVariables)
    {
        ["Deployments__AuditSchedule"] = AuditSchedule,
        ["Deployments__AcknowledgementTimeout"] = AcknowledgementTimeout.ToString("c"),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Host = HostProcess.StartHost(HostEnvironment);
        await Host.WaitUntilStartedAsync();
        Observer = await RegistryObserver.StartAsync(RabbitMq);
    }

    public override async Task DisposeAsync()
    {
        if (Observer is not null) await Observer.DisposeAsync();
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }
}
