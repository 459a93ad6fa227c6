import java.lang.management.*;
import java.util.*;
import javax.management.*;
import javax.management.remote.*;

// Reads a Kafka broker's request and topic counters over JMX (kafka-cost.bench.ts attaches the agent with jcmd) and
// prints them as `<name> <count>` lines: request.<type> (kafka.network RequestsPerSec, every version summed) and
// topic.<metric> (kafka.server BrokerTopicMetrics, all topics), thread.<name> (CPU ns, threads grouped by name).
public class BrokerRequests {
  public static void main(String[] args) throws Exception {
    JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
    try (JMXConnector c = JMXConnectorFactory.connect(url)) {
      MBeanServerConnection m = c.getMBeanServerConnection();
      Map<String, Long> counts = new TreeMap<>();
      for (ObjectName n : m.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
        long count = ((Number) m.getAttribute(n, "Count")).longValue();
        counts.merge("request." + n.getKeyProperty("request"), count, Long::sum);
      }
      for (String metric : new String[] {"MessagesInPerSec", "BytesInPerSec", "BytesOutPerSec", "TotalProduceRequestsPerSec", "TotalFetchRequestsPerSec"}) {
        ObjectName n = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=" + metric);
        counts.put("topic." + metric, ((Number) m.getAttribute(n, "Count")).longValue());
      }
      // CPU time per thread, summed by name without its numbers (request handlers, network threads, compilers, GC…).
      ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(m, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
      for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (t == null) continue;
        long ns = threads.getThreadCpuTime(t.getThreadId());
        if (ns > 0) counts.merge("thread." + t.getThreadName().replaceAll("[0-9]+", "N").replace(' ', '_'), ns, Long::sum);
      }
      for (Map.Entry<String, Long> e : counts.entrySet()) System.out.println(e.getKey() + " " + e.getValue());
    }
  }
}
