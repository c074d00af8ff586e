using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ModelRegistry.Platform;

/// <summary>
/// A worker the host can run (<c>--workers</c>): everything the host needs to know of it. The host composes the selected
/// modules in a loop and names none of them; docs/architecture.md, "Adding a worker".
/// </summary>
public interface IRegistryModule
{
    /// <summary>Its name in <c>--workers</c>, <c>registry.hosts</c> and <c>mreg status</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>The queues its consumers read: the health check and <c>mreg status</c> watch them.</summary>
    IReadOnlyList<string> Queues { get; }

    /// <summary>Its settings as environment variables, for <c>--help</c> (README.md has the table).</summary>
    IReadOnlyList<string> Settings { get; }

    /// <summary>Whether it schedules Quartz jobs: a host joins the scheduler only when it runs such a module.</summary>
    bool HasJobs { get; }

    /// <summary>
    /// Binds its options once through <paramref name="settings"/> (which collects one line per invalid setting, each
    /// naming the setting: the host prints them and exits 2) and registers its services.
    /// </summary>
    void AddServices(IServiceCollection services, SettingsBinder settings);

    /// <summary>Its consumers and sagas with their definitions (queues, retry, concurrency).</summary>
    void AddConsumers(IBusRegistrationConfigurator bus);
}
