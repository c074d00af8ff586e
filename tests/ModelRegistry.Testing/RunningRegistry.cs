namespace ModelRegistry.Testing;

/// <summary>An isolated environment with one real host process running every worker, and an observer of its events.</summary>
public class RunningRegistry : IsolatedEnvironment
{
    public HostProcess Host { get; private set; } = null!;
    public RegistryObserver Observer { get; private set; } = null!;
    public TrainingPipeline Pipeline => new(SourceRoot);

    /// <summary>The environment the host starts with: the isolated environment's, plus what a derived fixture adds.</summary>
    public virtual IReadOnlyDictionary<string, string> HostEnvironment => EnvironmentVariables;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Host = HostProcess.StartHost(HostEnvironment);
        await Host.WaitUntilStartedAsync();
        Observer = await RegistryObserver.StartAsync(AdminRabbitMq, RabbitMq.Username);
    }

    public override async Task DisposeAsync()
    {
        if (Observer is not null) await Observer.DisposeAsync();
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }
}
