FROM ruby:3.3-slim
ENV BUNDLE_FROZEN=true BUNDLE_WITHOUT=development:test
WORKDIR /rails
COPY Gemfile Gemfile.lock .ruby-version ./
RUN bundle install --jobs 4
COPY . .
RUN bundle exec rails assets:precompile
CMD ["bin/rails", "server"]
