"""Running several Rasa replicas: the lock store and the load-balancer configuration."""
