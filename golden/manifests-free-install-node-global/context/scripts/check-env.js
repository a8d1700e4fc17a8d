if (!process.env.npm_config_user_agent) process.exit(1)
