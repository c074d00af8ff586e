using MassTransit;

namespace ModelRegistry.Components;

/// <summary>A unit of work a host process can run: its consumers and the queues they read.</summary>
public sealed record Worker(string Name, string Description, IReadOnlyList<string> Queues, Action<IBusRegistrationConfigurator> Register);
