using ModelRegistry.Cli;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// How the tests run <c>mreg</c>'s commands in process: as the operator's broker user, as <c>./mreg</c> does, unless a test
/// names another (<c>mreg errors</c> needs <see cref="BrokerUsers.Workers"/>). The process form is
/// <see cref="IsolatedEnvironment.CliEnvironment"/>.
/// </summary>
internal static class CliUser
{
    public static CliSettings Cli(this IsolatedEnvironment env, string user = BrokerUsers.Operator, ArtifactStoreOptions? artifacts = null) =>
        new(Broker(env, user), env.Database, artifacts);

    /// <summary>The environment's broker as <paramref name="user"/>: the workers' with its own password, a client's with its name.</summary>
    public static RabbitMqOptions Broker(IsolatedEnvironment env, string user) => user == BrokerUsers.Workers ? env.RabbitMq : env.As(user);
}
