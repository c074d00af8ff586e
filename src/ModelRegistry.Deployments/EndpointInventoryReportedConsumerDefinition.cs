using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

/// <summary>
/// The heartbeat queue: batches of <c>Deployments:HeartbeatBatchSize</c>, handed over when full or after
/// <c>Deployments:HeartbeatBatchTimeLimit</c>, two batches at a time; prefetch and the endpoint's concurrent message limit
/// hold both batches, or a batch could never fill.
/// </summary>
public sealed class EndpointInventoryReportedConsumerDefinition : ConsumerDefinition<EndpointInventoryReportedConsumer>
{
    public const string Queue = "deployment-inventory";

    /// <summary>Batches handled at once (each reads and writes its endpoints in one round trip; records go four endpoints at a time).</summary>
    public const int BatchConcurrency = 2;

    private readonly DeploymentsOptions options;

    // The options the module bound and validated (Deployments:*); absent in a bare container, where the defaults apply.
    public EndpointInventoryReportedConsumerDefinition(DeploymentsOptions? options = null)
    {
        this.options = options ?? new DeploymentsOptions();
        var capacity = this.options.HeartbeatBatchSize * BatchConcurrency;
        Endpoint(e =>
        {
            e.Name = Queue;
            e.PrefetchCount = capacity;
        });
        ConcurrentMessageLimit = capacity;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EndpointInventoryReportedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // The retry wraps the batch: a database outage retries the whole batch, which is idempotent.
        endpointConfigurator.UseInfrastructureRetry();
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(options.HeartbeatBatchSize)
            .SetTimeLimit(options.HeartbeatBatchTimeLimit)
            .SetConcurrencyLimit(BatchConcurrency));
    }
}
